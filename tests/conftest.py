import os

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Generated datasets go to a temporary cache, not the user's."""
    old = os.environ.get("INVLAB_CACHE")
    os.environ["INVLAB_CACHE"] = str(tmp_path_factory.mktemp("invlab-cache"))
    yield
    if old is None:
        os.environ.pop("INVLAB_CACHE", None)
    else:
        os.environ["INVLAB_CACHE"] = old


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Train in-process at one torch thread, like the parallel workers: on a shared, loaded
    CI machine two intra-op threads per tiny model are several times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
