"""The user's address book, read only: vCard text into cards, from a CardDAV address book or local files."""
