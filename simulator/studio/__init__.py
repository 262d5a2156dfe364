"""The trainer's tools: the path report, random walks, path tests, diagrams and file edits."""
