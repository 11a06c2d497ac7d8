"""`python -m briefpers`: the command line, as `briefpers`."""

from briefpers.cli import main

if __name__ == "__main__":
    main(prog_name="briefpers")
