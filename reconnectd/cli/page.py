"""The report: a page of the past year, written to a file. Apart from the other views, so that they never
import the page's code."""

from __future__ import annotations

from pathlib import Path

import click

from reconnectd.cli.common import Options, pass_options
from reconnectd.errors import UsageError
from reconnectd.policy.english import plural
from reconnectd.report import render_report


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("reconnectd-report.html"),
    show_default=True,
    help="Where to write the page.",
)
@click.option("--now", "now_text", metavar="WHEN", help="Draw the year up to this moment.")
@pass_options
def report(options: Options, out: Path, now_text: str | None) -> None:
    """Write a one-page picture of the past year: who you reached, who replied, who is due.

    The page is self-contained and fetches nothing; open it in any browser.

    \b
    Example:
      reconnectd report --out ~/reconnect.html
    """
    config = options.settings()
    now = options.now(config, now_text)
    with options.store() as store:
        page = render_report(config, store.ledger(), now)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {out}: {error.strerror} (pick another --out)") from None
    click.echo(f"Wrote {out} ({plural(len(config.people), 'person', 'people')}). Open it in a browser.")
