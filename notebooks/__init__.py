"""The notebooks: the served apps (ethics review, teaching) and the data scientist's tour.

A package only so that an installed wheel carries them (``workbench serve`` finds the apps here).
"""
