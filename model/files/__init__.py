"""Reading and writing user files safely, and reporting problems in them as file:line."""
