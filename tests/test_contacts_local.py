"""The local address book: a .vcf file or a vdir folder, read by version, never written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconnectd.contacts.card import read_cards
from reconnectd.contacts.local import FILE_LIMIT, LocalUnreadable, snapshot

CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nBDAY:--0415\r\nEND:VCARD\r\n"


def _tree(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file below `root` with its mtime, mode and bytes: what "untouched" means."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_mode, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_vdir_folder_gives_each_file_by_name_with_its_text(tmp_path: Path) -> None:
    (tmp_path / "a.vcf").write_text(CARD.format(uid="a", name="Ann"))
    (tmp_path / "b.VCF").write_text(CARD.format(uid="b", name="Bo"))
    (tmp_path / "notes.txt").write_text("not a card")
    (tmp_path / ".a.vcf.tmp").write_text("half written")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.vcf").write_text(CARD.format(uid="c", name="Cy"))
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "d.vcf").write_text(CARD.format(uid="d", name="Di"))
    before = _tree(tmp_path)
    found = snapshot(tmp_path)
    assert sorted(found.objects) == ["a.vcf", "b.VCF", "work/d.vcf"]
    assert found.warnings == [] and found.unreadable == set()
    version, text = found.objects["a.vcf"]
    info = (tmp_path / "a.vcf").stat()
    assert version == f"{info.st_mtime_ns}-{info.st_size}"
    assert [card.name for card in read_cards(text, where="a.vcf").cards] == ["Ann"]
    assert _tree(tmp_path) == before


def test_a_single_export_file_is_one_object_under_its_own_name(tmp_path: Path) -> None:
    export = tmp_path / "contacts.vcf"
    export.write_text(CARD.format(uid="a", name="Ann") + CARD.format(uid="b", name="Bo"))
    found = snapshot(export)
    assert list(found.objects) == ["contacts.vcf"]
    assert len(read_cards(found.objects["contacts.vcf"][1], where="x").cards) == 2


def test_the_version_moves_when_a_file_is_written_and_stays_when_not(tmp_path: Path) -> None:
    card = tmp_path / "a.vcf"
    card.write_text(CARD.format(uid="a", name="Ann"))
    first = snapshot(tmp_path).objects["a.vcf"][0]
    assert snapshot(tmp_path).objects["a.vcf"][0] == first
    card.write_text(CARD.format(uid="a", name="Ann Marie"))
    os.utime(card, ns=(card.stat().st_atime_ns, card.stat().st_mtime_ns + 1_000_000_000))
    assert snapshot(tmp_path).objects["a.vcf"][0] != first


def test_a_missing_path_or_folder_is_an_error_not_an_empty_book(tmp_path: Path) -> None:
    with pytest.raises(LocalUnreadable, match=r"cannot read the address book at .*gone"):
        snapshot(tmp_path / "gone")
    assert snapshot(tmp_path).objects == {}  # an empty folder is an empty book


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_skipped_with_a_warning_and_named_unreadable(tmp_path: Path) -> None:
    (tmp_path / "a.vcf").write_text(CARD.format(uid="a", name="Ann"))
    locked = tmp_path / "b.vcf"
    locked.write_text(CARD.format(uid="b", name="Bo"))
    locked.chmod(0)
    try:
        found = snapshot(tmp_path)
    finally:
        locked.chmod(0o644)
    assert list(found.objects) == ["a.vcf"]
    assert found.unreadable == {"b.vcf"}
    (warning,) = found.warnings
    assert warning.startswith(f"cannot read {locked}: permission denied")


def test_a_pipe_is_left_out_rather_than_read_forever_and_a_folder_named_like_a_card_is_a_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.vcf").write_text(CARD.format(uid="a", name="Ann"))
    os.mkfifo(tmp_path / "pipe.vcf")
    (tmp_path / "folder.vcf").mkdir()
    (tmp_path / "folder.vcf" / "c.vcf").write_text(CARD.format(uid="c", name="Cy"))
    found = snapshot(tmp_path)
    assert sorted(found.objects) == ["a.vcf", "folder.vcf/c.vcf"]
    assert found.warnings == [f"{tmp_path / 'pipe.vcf'} is not a regular file (a pipe or a device?); it is left out"]


def test_a_file_larger_than_the_bound_is_skipped_and_named_unreadable(tmp_path: Path) -> None:
    big = tmp_path / "big.vcf"
    with big.open("wb") as stream:
        stream.truncate(FILE_LIMIT + 1)  # sparse: no real disk used
    (tmp_path / "a.vcf").write_text(CARD.format(uid="a", name="Ann"))
    found = snapshot(tmp_path)
    assert list(found.objects) == ["a.vcf"]
    assert found.unreadable == {"big.vcf"}
    assert "MiB" in found.warnings[0] and "skipped" in found.warnings[0]


def test_a_file_not_in_utf8_is_read_as_latin1(tmp_path: Path) -> None:
    (tmp_path / "old.vcf").write_bytes(CARD.format(uid="o", name="Zoé Dubé").encode("latin-1"))
    (card,) = read_cards(snapshot(tmp_path).objects["old.vcf"][1], where="old.vcf").cards
    assert card.name == "Zoé Dubé"


def test_a_dangling_link_is_skipped_with_a_warning_and_named_unreadable(tmp_path: Path) -> None:
    (tmp_path / "a.vcf").write_text(CARD.format(uid="a", name="Ann"))
    (tmp_path / "b.vcf").symlink_to(tmp_path / "elsewhere.vcf")
    found = snapshot(tmp_path)
    assert list(found.objects) == ["a.vcf"]
    assert found.unreadable == {"b.vcf"}
    assert found.warnings == [f"cannot read {tmp_path / 'b.vcf'}: no such file or directory; it is skipped this time"]
