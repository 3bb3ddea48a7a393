"""What runs the stages: local forked processes today, behind an interface further engines plug into."""
