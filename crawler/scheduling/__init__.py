"""What is crawled, in what order, once: the paced scheduler, request fingerprints (one per
article) and the on-disk duplicate filter."""
