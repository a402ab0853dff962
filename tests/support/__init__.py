"""What the tests share: processes to start, services to reach, ways to observe jobs."""
