"""Media monitoring: feeds of news about contracted suppliers, polled, stored and matched."""
