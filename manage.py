#!/usr/bin/env python
from offload.config.cli import main

if __name__ == "__main__":
    main()
