"""Utilities for writing code that runs on Python 2 and 3"""
