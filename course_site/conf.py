"""Sphinx configuration of the course site, built by `make site` (offline, warnings are errors)."""

project = "micrograd: backpropagation from scratch"
author = "the course staff"
copyright = "the course staff"
html_title = "micrograd: backpropagation from scratch"

extensions = ["myst_nb", "sphinx.ext.graphviz", "sphinx.ext.githubpages", "sphinx-mathjax-offline"]
myst_enable_extensions = ["dollarmath", "amsmath"]
# coursekit.site runs the notebooks before the build (exercise cells skipped): Sphinx only renders them.
nb_execution_mode = "off"
graphviz_output_format = "svg"

html_theme = "sphinx_book_theme"
html_theme_options = {"show_toc_level": 2}
exclude_patterns = ["_build"]
html_static_path = ["_static"]
html_css_files = ["custom.css"]
# The theme's sidebar without its search field: the header's search box is the one search box.
html_sidebars = {"**": ["navbar-logo.html", "icon-links.html", "sbt-sidebar-nav.html"]}
