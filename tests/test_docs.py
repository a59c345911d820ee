"""The docs stay in step with the code: every public layer is listed and documented."""

import importlib.util
import inspect
import pathlib

import lamina.layers

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


def test_layers_page_lists_every_public_layer_with_a_docstring():
    spec = importlib.util.spec_from_file_location("make_layers_page", DOCS / "make_layers_page.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (DOCS / "layers.md").read_text()
    missing = [name for name, _ in module.layer_classes() if f"| `{name}` |" not in page]
    assert not missing, f"run `python docs/make_layers_page.py`: {missing} are not listed"
    undocumented = [name for name, cls in module.layer_classes() if not inspect.getdoc(cls)]
    assert not undocumented, f"layers without a docstring: {undocumented}"
