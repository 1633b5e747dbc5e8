"""The service desk: tickets, SLA clocks, the client portal and mail in and out."""
