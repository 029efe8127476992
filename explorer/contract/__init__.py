"""The model contract: what a model author writes, and the data every engine returns."""
