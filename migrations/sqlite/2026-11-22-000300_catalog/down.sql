DROP TABLE endpoints;
DROP TABLE services;
DROP TABLE regions;
