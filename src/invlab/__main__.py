from invlab.cli import main

main()
