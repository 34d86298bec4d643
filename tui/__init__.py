"""tokenprint's terminal front: the command line and the Textual dashboard."""
