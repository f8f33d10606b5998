"""Rating: rate decks, the longest-prefix index, A/B increments, tiers, and what a call costs."""
