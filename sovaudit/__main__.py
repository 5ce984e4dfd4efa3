from sovaudit.cli import main

main()
