"""The shipped rule packs and profiles (YAML data), installed as the package ``sovaudit_rules``."""
