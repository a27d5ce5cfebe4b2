"""Analytics over the Hourglass rollups: a library with no Discord import."""
