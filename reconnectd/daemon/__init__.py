"""The wiring: one cycle (read, plan, write, notify, record), the loop around it, signals and systemd."""
