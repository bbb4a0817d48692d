"""`make release`: stubs made by nbgrader, validated, reproducible and up to date."""

import ast
import filecmp
import json
import shutil
from pathlib import Path

import pytest

from coursekit import cache, notebooks, stubs
from coursekit.course import ASSIGNMENTS_DIR, SOLUTION_PACKAGE, STUDENT_REPOS
from coursekit.release import REFERENCE_DIR, release
from coursekit.stubs import make_stub, solution_regions
from coursekit.validate import leaks, validate


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A release made now from solutions/, beside the committed one."""
    out = tmp_path_factory.mktemp("release")
    # The reference copy goes elsewhere: release() replaces whatever folder it is given.
    release(out / "assignments", out / "reference")
    return out


def tree_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_make_stub_replaces_each_region_at_its_indentation():
    source = "def f(x):\n    '''Doc.'''\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
    assert make_stub(source) == ("def f(x):\n    '''Doc.'''\n    # YOUR CODE HERE\n    raise NotImplementedError()\n")


def test_solution_regions_are_named_by_their_function():
    names = [r.function for r in solution_regions((SOLUTION_PACKAGE / "engine.py").read_text())]
    assert "Value.__mul__._backward" in names
    assert "topological_sort" in names and "Value.backward" in names


def test_committed_assignments_are_up_to_date_with_solutions(fresh):
    # If this fails, run `make release` and commit assignments/.
    assert tree_files(fresh / "assignments") == tree_files(ASSIGNMENTS_DIR)
    assert tree_files(fresh / "reference") == tree_files(REFERENCE_DIR)


def test_release_twice_gives_byte_identical_files(fresh, tmp_path, monkeypatch):
    # The second release makes everything again (no cache): the cache never changes a byte of the output.
    monkeypatch.setenv("COURSEKIT_NO_CACHE", "1")
    release(tmp_path / "again")
    cmp = filecmp.dircmp(fresh / "assignments", tmp_path / "again")
    assert tree_files(tmp_path / "again") == tree_files(fresh / "assignments"), cmp.report()


def test_the_release_validates():
    # The reference passes every public test, every stub fails them, stubs import, nothing leaks.
    assert validate(ASSIGNMENTS_DIR) == []


def test_leak_check_finds_a_solution_line(tmp_path):
    (tmp_path / "micrograd").mkdir()
    (tmp_path / "micrograd" / "engine.py").write_text("x = 1\nself.grad += other.data * out.grad\n")
    assert leaks(tmp_path, ("micrograd/engine.py",))


def functions(source):
    return {
        node.name: node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name != "_backward"
    }


@pytest.mark.parametrize("repo", STUDENT_REPOS, ids=lambda r: r.name)
def test_every_stub_keeps_its_signature_and_docstring_and_raises(repo):
    for module in repo.stubbed_modules:
        reference = functions((SOLUTION_PACKAGE / f"{module}.py").read_text())
        stub_source = (ASSIGNMENTS_DIR / repo.name / "micrograd" / f"{module}.py").read_text()
        stubs = functions(stub_source)
        assert set(stubs) == set(reference)
        for name, ref in reference.items():
            assert ast.dump(stubs[name].args) == ast.dump(ref.args), name
            assert ast.get_docstring(stubs[name]) == ast.get_docstring(ref), name
        regions = solution_regions((SOLUTION_PACKAGE / f"{module}.py").read_text())
        assert stub_source.count("raise NotImplementedError()") == len(regions)


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.delenv("COURSEKIT_NO_CACHE", raising=False)
    return tmp_path / "cache"


def test_the_cache_makes_once_per_key_and_remakes_an_unreadable_entry(own_cache):
    calls = []

    def make():
        calls.append(1)
        return "made"

    assert cache.cached("kind", "k1", make) == "made" and cache.cached("kind", "k1", make) == "made"
    assert len(calls) == 1
    (own_cache / "kind" / "k1.json").write_text("{half")
    assert cache.cached("kind", "k1", make) == "made" and len(calls) == 2
    assert cache.key("a", "b") != cache.key("ab") and cache.key("a", "b") != cache.key("a", "c")


def test_a_stub_from_a_stale_entry_is_never_used(own_cache, monkeypatch):
    before = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
    after = before.replace("def f(x):", 'def f(x):\n    """Doc."""')
    stub = make_stub(before)
    with monkeypatch.context() as m:
        m.setattr(stubs, "_clear", lambda source: pytest.fail("nbgrader ran for a source already in the cache"))
        assert make_stub(before) == stub
    # The entry of the old source is still there; the edited source gets its own stub.
    assert '"""Doc."""' in make_stub(after) and len(list((own_cache / "stubs").iterdir())) == 2


def test_a_released_notebook_follows_its_edited_source_with_the_cache_on(own_cache, tmp_path, monkeypatch):
    sources = tmp_path / "notebooks"
    shutil.copytree(notebooks.NOTEBOOKS_DIR / "train", sources / "train")
    monkeypatch.setattr(notebooks, "NOTEBOOKS_DIR", sources)
    first = notebooks.generate_assignments(["train"])["train"]
    with monkeypatch.context() as m:
        m.setattr(notebooks, "_generate", lambda names: pytest.fail("nbgrader ran for notebooks in the cache"))
        assert first == notebooks.generate_assignments(["train"])["train"]
    assert len(list((own_cache / "notebooks").iterdir())) == 1
    (path,) = (sources / "train").glob("*.ipynb")
    nb = json.loads(path.read_text())
    nb["cells"].append({"cell_type": "markdown", "id": "new-cell", "metadata": {}, "source": ["An edit."]})
    path.write_text(json.dumps(nb))
    edited = notebooks.generate_assignments(["train"])["train"]
    assert "An edit." in edited[f"notebooks/{path.name}"] and "An edit." not in first[f"notebooks/{path.name}"]
