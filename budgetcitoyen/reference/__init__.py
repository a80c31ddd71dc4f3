"""Reference data shipped with the platform: territories, communes, categories, structure types."""
