"""The ``lamina`` command: ``lamina demo``."""

import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lamina", description="lamina command-line tools")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train the seed model both ways, side by side")
    demo.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    if args.command == "demo":
        from lamina.demo import run
        run(epochs=args.epochs)
    return 0
