"""The manifest: independent of the working folder, robust against damage, safely locked."""

from __future__ import annotations

import json
import os

import pytest

from briefpers import pipeline
from briefpers.batch import manifest
from briefpers.errors import ExitCode

from .batch_kit import build, make_letters


def no_rendering(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a letter was rendered")

    monkeypatch.setattr(pipeline, "build_letter", refuse)


@pytest.fixture
def built(tmp_path, monkeypatch):
    """Two letters in tmp/in built into tmp/out from tmp (one letter per build: in process)."""
    monkeypatch.chdir(tmp_path)
    make_letters(tmp_path / "in", 2, digits=1)
    for i in range(2):
        code, _, err = build(f"in/letter-{i}.xml", "-o", "out")
        assert code == 0, err
    return tmp_path


def test_any_working_folder_is_a_no_op(built, monkeypatch):
    entries = manifest.read(built / "out")
    assert {e["source"] for e in entries.values()} == {
        "../in/letter-0.xml",
        "../in/letter-1.xml",
    }
    no_rendering(monkeypatch)
    (built / "sub").mkdir()
    monkeypatch.chdir(built / "sub")
    code, out, _ = build("../in", "-o", "../out")
    assert (code, out.splitlines()[-1][:29]) == (0, "all 2 letters up to date (0.0")
    monkeypatch.chdir("/")
    code, out, _ = build(built / "in", "-o", built / "out")
    assert code == 0 and "all 2 letters up to date" in out
    assert manifest.read(built / "out") == entries  # nothing to record either


def test_an_old_manifest_is_read_and_migrated(built, monkeypatch):
    path = built / "out" / "manifest.json"
    data = json.loads(path.read_text())
    # Format 1 recorded sources relative to the working folder of its build.
    data["format"] = 1
    for entry in data["letters"].values():
        entry["source"] = entry["source"].removeprefix("../")
    path.write_text(json.dumps(data))
    no_rendering(monkeypatch)
    (built / "elsewhere").mkdir()
    monkeypatch.chdir(built / "elsewhere")
    code, out, err = build("../in", "-o", "../out")
    assert code == 0, err
    assert "all 2 letters up to date" in out
    migrated = json.loads(path.read_text())
    assert migrated["format"] == manifest.FORMAT == 2
    assert {e["source"] for e in migrated["letters"].values()} == {
        "../in/letter-0.xml",
        "../in/letter-1.xml",
    }


def test_a_renamed_source_is_rebuilt(built):
    os.rename(built / "in" / "letter-1.xml", built / "in" / "letter-1.txt")
    code, _, err = build("in/letter-1.txt", "-o", "out", "--report", "r.json")
    assert code == 0, err
    (entry,) = json.loads((built / "r.json").read_text())["letters"]
    assert entry["reason"] == "source file name changed"


def _nested(depth: int) -> bytes:
    return b'{"format": 2, "letters": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    "content, why",
    [
        (b"\x00\xff not json", "not valid JSON"),
        (b'{"format": 2, "letters": {"letter-0.pdf": {"sour', "not valid JSON"),
        (_nested(200_000), "nested too deeply"),
        (b'{"format": 99, "letters": {}}', "not a briefpers manifest"),
        (b"[1, 2, 3]", "not a briefpers manifest"),
    ],
)
def test_an_unreadable_manifest_is_moved_aside(built, content, why):
    path = built / "out" / "manifest.json"
    path.write_bytes(content)
    code, out, err = build("in/letter-0.xml", "-o", "out")
    assert code == 0, err
    assert "Traceback" not in err
    (warning,) = err.splitlines()
    aside = list((built / "out").glob("manifest.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert warning.startswith(f"warning: out/manifest.json could not be read ({why}")
    assert warning.endswith(f"): moved aside to out/{aside[0].name}; its letters are rebuilt")
    assert "1 built, 0 up to date" in out
    assert sorted(manifest.read(built / "out")) == ["letter-0.pdf"]
    # The next build neither warns nor rebuilds.
    code, out, err = build("in/letter-0.xml", "-o", "out")
    assert (code, err) == (0, "")
    assert "1 letter up to date" in out


def test_a_huge_manifest_is_moved_aside(built, monkeypatch):
    monkeypatch.setattr(manifest, "MAX_MANIFEST_BYTES", 100)
    code, out, err = build("in/letter-0.xml", "-o", "out")
    assert code == 0, err
    assert "could not be read (larger than 100 bytes)" in err
    assert "1 built" in out


@pytest.mark.parametrize(
    "damage",
    [
        {"assets": 5},
        {"pages": "two"},
        {"verapdf": {"compliant": True, "failed_rule_ids": [1]}},
        {"verapdf": {"failed_rules": 0}},
    ],
)
def test_an_entry_of_the_wrong_shape_rebuilds_only_its_letter(built, damage):
    path = built / "out" / "manifest.json"
    data = json.loads(path.read_text())
    data["letters"]["letter-1.pdf"].update(damage)
    data["letters"]["other.pdf"] = "not an entry"
    path.write_text(json.dumps(data))
    code, out, err = build("in", "-o", "out")
    assert (code, err) == (0, "")
    assert "1 built, 1 up to date" in out
    assert sorted(manifest.read(built / "out")) == ["letter-0.pdf", "letter-1.pdf"]


def test_a_source_through_a_link_and_dotdot_is_recorded_where_it_is(built):
    # `deep/link/..` is, for the system, the parent of the link's target
    # (`elsewhere`), not `deep`: the manifest must record the letter read.
    (built / "elsewhere" / "inner").mkdir(parents=True)
    (built / "deep").mkdir()
    (built / "deep" / "link").symlink_to(built / "elsewhere" / "inner")
    (built / "elsewhere" / "moved.xml").write_bytes((built / "in" / "letter-0.xml").read_bytes())
    from briefpers.batch.sources import folder_resolver, relative_to_output

    for resolve in (os.path.realpath, folder_resolver()):
        seen = relative_to_output("deep/link/../moved.xml", "out", resolve)
        assert seen == "../elsewhere/moved.xml"
        assert relative_to_output(built / "in" / "letter-0.xml", "out", resolve) == (
            "../in/letter-0.xml"
        )


def test_dotdot_after_a_link_puts_pdf_and_manifest_in_one_folder(built):
    # The system resolves `deep/link/..` to `elsewhere`; so must every stage,
    # or the PDF went to `deep/out` and the manifest to `elsewhere/out`.
    (built / "elsewhere" / "inner").mkdir(parents=True)
    (built / "deep" / "out").mkdir(parents=True)
    (built / "deep" / "link").symlink_to(built / "elsewhere" / "inner")
    (built / "elsewhere" / "moved.xml").write_bytes((built / "in" / "letter-0.xml").read_bytes())
    code, out, err = build("deep/link/../moved.xml", "-o", "deep/link/../out")
    assert code == 0, err
    assert "built elsewhere/out/moved.pdf" in out
    assert sorted(p.name for p in (built / "elsewhere" / "out").iterdir()) == [
        ".briefpers.lock",
        "manifest.json",
        "moved.pdf",
    ]
    assert list((built / "deep" / "out").iterdir()) == []
    (entry,) = manifest.read(built / "elsewhere" / "out").values()
    assert entry["source"] == "../moved.xml"


def test_paths_are_shown_from_the_working_folder(built, monkeypatch):
    from briefpers.batch.sources import display

    assert display(built) == "."
    assert display(built / "in" / "letter-0.xml") == "in/letter-0.xml"
    assert display("in/../out") == "out"
    # A sibling whose name begins with the working folder's is not inside it.
    (built.parent / (built.name + "x")).mkdir(exist_ok=True)
    assert display(built.parent / (built.name + "x")) == str(built) + "x"
    monkeypatch.chdir("/")
    assert display(built) == str(built)[1:]


def test_the_lock_file_is_never_a_symlink(built, monkeypatch):
    target = built / "elsewhere.txt"
    lock = built / "out" / manifest.LOCK
    lock.unlink()
    lock.symlink_to(target)
    (built / "in" / "letter-0.xml").write_text(
        (built / "in" / "letter-0.xml").read_text().replace("Dear", "Dear dear")
    )
    no_rendering(monkeypatch)  # refused before any rendering
    code, _, err = build("in", "-o", "out")
    assert code == ExitCode.ASSET
    assert err == (
        "out/.briefpers.lock: error: is a symbolic link; briefpers never follows a link "
        "for its lock file: remove it\n"
    )
    assert not target.exists()  # not created through the link
    with pytest.raises(manifest.OutputError):
        manifest.update(built / "out", {"x.pdf": {}})
    assert not target.exists()


def test_a_linked_source_keeps_its_own_name(built, monkeypatch):
    (built / "links").mkdir()
    (built / "links" / "renamed.xml").symlink_to(built / "in" / "letter-0.xml")
    code, _, err = build("links/renamed.xml", "-o", "out2")
    assert code == 0, err
    (entry,) = manifest.read(built / "out2").values()
    assert entry["source"] == "../links/renamed.xml"
    no_rendering(monkeypatch)
    code, out, _ = build("links/renamed.xml", "-o", "out2")
    assert code == 0 and "1 letter up to date" in out
