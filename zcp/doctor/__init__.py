"""``zcp doctor``: check the set-up a zcp process depends on and say how to fix what is wrong."""
