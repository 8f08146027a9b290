"""Read-only inputs: the user's watched calendars (later the address book). Nothing here ever writes."""
