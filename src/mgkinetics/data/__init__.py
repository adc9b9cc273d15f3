"""The data model and every reader: tables, spreadsheets, plate-reader exports, layouts, EnzymeML."""
