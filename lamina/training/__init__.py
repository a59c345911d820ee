"""Training: compile, the pure step, the compiled chunk programs and the trainer around them."""
