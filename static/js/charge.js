// The charge form: choosing an offering fills the unit price with its list
// price, unless the user has typed a price of their own.
(function () {
  var price = document.querySelector("input[data-list-price-of]");
  if (!price) { return; }
  var offering = document.querySelector("select[name=" + price.dataset.listPriceOf + "]");
  if (!offering) { return; }
  function listPrice() {
    var option = offering.options[offering.selectedIndex];
    return option ? option.getAttribute("data-list-price") : null;
  }
  var filled = price.value === "" ? null : (price.value === listPrice() ? price.value : undefined);
  function fill() {
    var list = listPrice();
    if (list && (price.value === "" || price.value === filled)) {
      price.value = list;
      filled = list;
    }
  }
  offering.addEventListener("change", fill);
  if (price.value === "") { fill(); }
})();
