"""The calls domain's values and pure rules."""
