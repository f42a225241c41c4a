DROP TABLE signature_uses;
