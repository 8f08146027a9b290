"""What a check-in says: one small, concrete step that fits how the person likes to be reached.

Pure and deterministic: the same person and occurrence always give the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconnectd.model import Person

ACTIONS: dict[str, tuple[str, ...]] = {
    "text": (
        "Send a two-line text asking how their week is going.",
        "Text them about something small that made you think of them.",
        "Send a quick message with a photo of something they'd like.",
    ),
    "voice note": (
        "Send a 30-second voice note about something that reminded you of them.",
        "Record a short voice note asking how they are, no reply needed.",
        "Leave a quick voice note with one thing from your week and one question.",
    ),
    "call": (
        "Give them a ten-minute call; it's fine to say you only have a few minutes.",
        "Ring them on your walk home and ask what's new.",
        "Call to say hello; if they don't pick up, leave a short friendly message.",
    ),
    "video": (
        "Suggest a short video call this week, fifteen minutes is plenty.",
        "Ask if they're free for a quick video chat at the weekend.",
        "Offer a video call with a cup of tea, no agenda.",
    ),
    "in person": (
        "Suggest a short walk or a coffee this week.",
        "Ask if they'd like to grab lunch near them.",
        "Propose a simple plan: a walk, a market, a film. Keep it easy to say yes to.",
    ),
    "social media": (
        "Reply to something they posted recently with a real comment.",
        "Send them a post or meme that has your shared sense of humour.",
        "Share something of theirs you enjoyed and tell them why.",
    ),
    "email": (
        "Write a short email: one thing you remembered about them, one question.",
        "Email them a link you think they'd enjoy, with a line about why.",
        "Send a few lines catching up; no need for a long letter.",
    ),
    "letter": (
        "Write a postcard: three sentences is enough.",
        "Send a short handwritten note, just to say you thought of them.",
        "Post a card with a memory you share.",
    ),
}
ANY_CHANNEL = (
    "Reach out in whatever way feels easiest today: a short message is enough.",
    "Send a quick hello and ask how they've been.",
    "Let them know they crossed your mind, and ask one question about them.",
)


@dataclass(frozen=True)
class Wording:
    summary: str
    description: str


def title_for(name: str) -> str:
    return f"Check in with {name}"


def wording(person: Person, seq: int) -> Wording:
    """The event title and description for a person's `seq`-th check-in."""
    actions = ACTIONS.get(person.prefers or "", ANY_CHANNEL)
    lines = [actions[(seq - 1) % len(actions)]]
    if person.prefers:
        lines.append(f"How they like to hear from you: {person.prefers}.")
    if person.notes:
        lines.append(f"Notes: {person.notes}")
    lines.append(f"Rhythm: {person.every}.")
    return Wording(summary=title_for(person.name), description="\n".join(lines))
