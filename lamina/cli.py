"""The ``lamina`` command: ``demo``, ``inspect`` (a saved file, running none of its code) and
``convert`` (legacy Keras 2 ``.h5`` to ``.keras``)."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lamina", description="lamina command-line tools")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train the seed model both ways, side by side")
    demo.add_argument("--epochs", type=int, default=5)
    inspect = sub.add_parser("inspect", help="summary, format and weight tree of a saved file")
    inspect.add_argument("path")
    convert = sub.add_parser("convert", help="convert a legacy .h5 model to .keras")
    convert.add_argument("src")
    convert.add_argument("dst")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from lamina.demo import run
        run(epochs=args.epochs)
        return 0
    from lamina.saving import LoadError, cli_commands
    try:
        if args.command == "inspect":
            print(cli_commands.inspect(args.path))
        else:
            cli_commands.convert(args.src, args.dst)
    except (LoadError, OSError) as error:
        print(f"lamina {args.command}: {error}", file=sys.stderr)
        return 1
    return 0
