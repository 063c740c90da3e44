"""`python -m storyreel` and the `render` console script."""
import sys


def run() -> None:
    # Importing Skia, PyAV and Lark takes a moment; Ctrl-C then must not show a traceback.
    try:
        from storyreel.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: stopped, no output written\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
