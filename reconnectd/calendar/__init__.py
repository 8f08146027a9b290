"""The calendar edge: the only package that imports caldav. iCalendar in and out, what the user's edits mean."""
