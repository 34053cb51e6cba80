"""Text for people: captions within each platform's limit, how platforms count characters, dates in Indonesian."""
