"""Building a FlexOS image: prerequisites, sources, the build itself and what it produced."""
