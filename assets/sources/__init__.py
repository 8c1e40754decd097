"""Source readers: find landed (or sample) files, parse them to typed Arrow, download them."""
