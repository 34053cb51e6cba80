"""Approvals pinned to the exact content, the two-person rule, the approvers list and the gate (both databases)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archive_db import write_post
from PIL import Image
from pydantic import SecretStr

from publisher.archive import approvals
from publisher.archive.approvals import ApprovalRefused, GateState, approval_for, approve, gate, revoke
from publisher.infra.settings import Settings, load_settings
from publisher.posts.lookup import load_post_by_id


def required(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"require_approval": True, **changes})


def test_approval_is_pinned_to_the_content(archive_settings: Settings) -> None:
    settings = required(archive_settings)
    post = load_post_by_id("paspor", settings)
    assert gate(post, settings).state is GateState.MISSING
    assert "publisher approve paspor --by NAME" in gate(post, settings).message
    made = approve(post, "Ani", "isi sudah dicek", settings=settings)
    assert (made.content_hash, made.content_sha256) == (post.content_hash(), post.content_sha256())
    decision = gate(post, settings)
    assert (
        decision.state is GateState.APPROVED
        and decision.allowed
        and decision.approval == approval_for(post, settings=settings)
    )
    assert decision.message.startswith("approved by Ani")

    write_post(settings.posts_dir, body="Mulai 2 Desember, permohonan paspor elektronik dapat diajukan.")
    edited = load_post_by_id("paspor", settings)
    outdated = gate(edited, settings)
    assert outdated.state is GateState.OUTDATED and not outdated.allowed
    assert outdated.message.startswith("approval outdated")
    assert approval_for(edited, settings=settings) is None

    approve(edited, "Budi", settings=settings)
    assert gate(edited, settings).state is GateState.APPROVED


def test_the_image_bytes_are_part_of_the_approved_content(archive_settings: Settings) -> None:
    settings = required(archive_settings)
    image = Path(settings.posts_dir) / "foto.png"
    Image.new("RGB", (64, 64), (10, 80, 120)).save(image)
    write_post(settings.posts_dir, extra="image: foto.png\nalt: Foto loket paspor\n")
    approve(load_post_by_id("paspor", settings), "Ani", settings=settings)
    assert gate(load_post_by_id("paspor", settings), settings).state is GateState.APPROVED
    Image.new("RGB", (64, 64), (200, 30, 30)).save(image)  # same file name, other pixels
    assert gate(load_post_by_id("paspor", settings), settings).state is GateState.OUTDATED


def test_revoke(archive_settings: Settings) -> None:
    settings = required(archive_settings)
    post = load_post_by_id("paspor", settings)
    approve(post, "Ani", settings=settings)
    approve(post, "Budi", settings=settings)
    assert revoke("paspor", settings=settings) == 2
    assert revoke("paspor", settings=settings) == 0
    assert gate(post, settings).state is GateState.MISSING
    assert approvals.approvals_in_force("paspor", settings=settings) == []


def test_two_person_rule(archive_settings: Settings) -> None:
    write_post(archive_settings.posts_dir, extra="author: Ani Rahmawati\n")
    post = load_post_by_id("paspor", archive_settings)
    assert post.author == "Ani Rahmawati"
    with pytest.raises(ApprovalRefused, match="two-person rule"):
        approve(post, "  ani rahmawati ", settings=archive_settings)
    assert approve(post, "Budi", settings=archive_settings).approver == "Budi"


def test_approvers_list(archive_settings: Settings) -> None:
    settings = archive_settings.model_copy(update={"approvers": ["Ani", "Budi Santoso"]})
    post = load_post_by_id("paspor", settings)
    with pytest.raises(ApprovalRefused, match="may not approve"):
        approve(post, "Citra", settings=settings)
    with pytest.raises(ApprovalRefused, match="--by NAME"):
        approve(post, " ", settings=settings)
    assert approve(post, "budi santoso", settings=settings).approver == "Budi Santoso"  # the list's spelling


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Ani, Budi Santoso", ["Ani", "Budi Santoso"]), ('["Ani", "Budi Santoso"]', ["Ani", "Budi Santoso"]), ("", None)],
)
def test_approvers_setting_reads_a_comma_or_json_list(
    value: str, expected: list[str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLISHER_APPROVERS", value)
    monkeypatch.setenv("PUBLISHER_SECRETS_DIR", "/nonexistent")
    assert load_settings(_env_file=None).approvers == expected


def test_not_required_when_the_setting_is_off(archive_settings: Settings) -> None:
    post = load_post_by_id("paspor", archive_settings)
    decision = gate(post, archive_settings)
    assert decision.state is GateState.NOT_REQUIRED and decision.allowed


def test_the_gate_stays_shut_when_the_database_is_unreachable(archive_settings: Settings) -> None:
    down = required(archive_settings, database_url=SecretStr("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    decision = gate(load_post_by_id("paspor", archive_settings), down)
    assert decision.state is GateState.UNAVAILABLE and not decision.allowed


def test_the_database_password_is_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.infra.masking import Masker

    monkeypatch.setenv("PUBLISHER_DATABASE_URL", "postgresql+psycopg://publisher:s3cret-Pw%21@db/publisher")
    monkeypatch.setenv("PUBLISHER_SECRETS_DIR", "/nonexistent")
    settings = load_settings(_env_file=None)
    assert "s3cret" not in repr(settings) and "s3cret" not in json.dumps(settings.model_dump(mode="json"))
    masker = Masker.from_settings(settings)
    assert "s3cret" not in masker.mask("password s3cret-Pw! in postgresql+psycopg://publisher:s3cret-Pw%21@db/x")
    assert "s3cret" not in Masker().mask("postgresql://publisher:s3cret-Pw@db:5432/x")  # even when unknown


# --- the gate's and the refusals' exact words: what the approver, the operator and `status` read -------------------


def test_the_gate_says_exactly_what_it_waits_for(archive_settings: Settings) -> None:
    settings = required(archive_settings)
    post = load_post_by_id("paspor", settings)
    off = gate(post, archive_settings)
    assert (off.state, off.message, off.allowed) == (
        GateState.NOT_REQUIRED,
        "approval not required (PUBLISHER_REQUIRE_APPROVAL is off)",
        True,
    )
    assert gate(post, settings).message == "waiting for approval: publisher approve paspor --by NAME"
    made = approve(post, "Ani", "  ", settings=settings)
    assert made.note is None and made.approver == "Ani"
    when = made.approved_at.astimezone(settings.tz)
    assert gate(post, settings).message == f"approved by Ani on {when:%Y-%m-%d %H:%M}"
    assert [s.value for s in GateState] == ["approved", "not_required", "missing", "outdated", "unavailable"]


def test_refusals_name_who_may_approve_and_the_two_person_rule(archive_settings: Settings) -> None:
    settings = required(archive_settings, approvers=["Ani", "Budi"])
    post = load_post_by_id("paspor", settings)
    with pytest.raises(ApprovalRefused) as refused:
        approve(post, "Citra", settings=settings)
    assert str(refused.value) == "'Citra' may not approve: PUBLISHER_APPROVERS lists Ani, Budi"
    write_post(settings.posts_dir, extra="author: Ani\n")
    authored = load_post_by_id("paspor", settings)
    with pytest.raises(ApprovalRefused) as own:
        approve(authored, "ani", settings=settings)
    assert str(own.value) == "Ani wrote 'paspor' (author: Ani): someone else must approve it (two-person rule)"
