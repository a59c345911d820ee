"""Writes docs/layers.md: every public layer in ``lamina.layers`` with the first line of its
docstring. Run ``python docs/make_layers_page.py`` after adding a layer (a test checks the page
lists them all)."""

import inspect
import pathlib

import lamina.layers


def layer_classes():
    return sorted((name, obj) for name, obj in vars(lamina.layers).items()
                  if inspect.isclass(obj) and issubclass(obj, lamina.layers.Layer)
                  and not name.startswith("_"))


def page():
    lines = ["# Layers", "",
             "Every public layer, with Keras's name, arguments and defaults. Each class's",
             "docstring has its arguments and an example (`help(lamina.layers.Dense)`).", "",
             "| layer | what it does | module |", "|---|---|---|"]
    for name, cls in layer_classes():
        doc = (inspect.getdoc(cls) or "").split("\n")[0]
        lines.append(f"| `{name}` | {doc} | `{cls.__module__}` |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    path = pathlib.Path(__file__).with_name("layers.md")
    path.write_text(page())
    print(f"wrote {path} ({len(layer_classes())} layers)")
