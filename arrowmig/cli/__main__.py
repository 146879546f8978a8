from arrowmig.cli import run

run()
