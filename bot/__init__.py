"""The Discord side of Hourglass: slash commands, gateway events and the write path."""
