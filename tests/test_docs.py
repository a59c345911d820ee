"""The docs stay in step with the code: every public layer is listed and documented, and the
guides' snippets run."""

import importlib.util
import inspect
import pathlib
import re

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


def test_the_sequence_models_guide_runs():
    page = (DOCS / "sequence_models.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) >= 4
    namespace = {}
    for block in blocks:  # in order, as the guide says; its asserts check the numbers
        exec(compile(block, "docs/sequence_models.md", "exec"), namespace)
