"""Project commands (COMMANDS_MODULE): ``scrapy crawl`` with the archive lock and exit codes."""
