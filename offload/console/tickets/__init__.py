"""The staff ticket pages: the queue, a ticket with its thread, and logging a phone call."""
