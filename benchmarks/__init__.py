"""``make bench``: each benchmark measures one thing and prints a row judged by its ratio to a stated target."""
