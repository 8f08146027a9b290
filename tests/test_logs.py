"""Secrets are masked in every log line, whoever writes it."""

from __future__ import annotations

import logging

import pytest

from reconnectd.logs import Redactor, password_forms, run_logging, setup_logging, url_secrets


def test_a_known_secret_is_masked_in_any_logger_at_any_level(capfd: pytest.CaptureFixture[str]) -> None:
    with run_logging():
        redactor = setup_logging(logging.DEBUG)
        redactor.learn(password_forms("sam", "correct horse"))
        logging.getLogger("somelibrary").warning("auth header: Basic %s", "c2FtOmNvcnJlY3QgaG9yc2U=")
        logging.getLogger("reconnectd").debug("password is %s", "correct horse")
    err = capfd.readouterr().err
    assert "correct horse" not in err
    assert "c2FtOmNvcnJlY3QgaG9yc2U" not in err
    assert err.count("****") == 2


def test_the_tokens_of_an_apprise_url_are_what_its_privacy_form_hides() -> None:
    url = "gotify://push.example.com/AbCdEf0123456789"
    private = "gotify://push.example.com/A...9/?priority=normal"
    assert url_secrets(url, private) == ["AbCdEf0123456789"]


def test_longer_secrets_are_masked_before_their_substrings() -> None:
    redactor = Redactor()
    redactor.learn(["abcd", "abcdefgh"])
    assert redactor.redact("x abcdefgh y abcd") == "x **** y ****"
