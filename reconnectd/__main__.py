from reconnectd.cli import main

main()
