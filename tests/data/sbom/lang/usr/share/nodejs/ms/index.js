module.exports = function (val, options) {};
