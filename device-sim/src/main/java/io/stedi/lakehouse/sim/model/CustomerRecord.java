package io.stedi.lakehouse.sim.model;

/**
 * One customer record as the website sends it ({@code stedi.customer_landing}). A consent date that was never
 * given is absent ({@code null}, not written); {@code researchWithdrawn} writes {@code shareWithResearchAsOfDate}
 * as an explicit JSON null (the record that withdraws consent).
 */
public record CustomerRecord(String customerName, String email, String phone, String birthDay, String serialNumber,
    long registrationDate, long lastUpdateDate, Long shareWithResearchAsOfDate, Long shareWithPublicAsOfDate,
    Long shareWithFriendsAsOfDate, boolean researchWithdrawn) {

  public String toJson() {
    return Json.write(g -> {
      g.writeStartObject();
      g.writeStringField("customerName", customerName);
      g.writeStringField("email", email);
      g.writeStringField("phone", phone);
      g.writeStringField("birthDay", birthDay);
      g.writeStringField("serialNumber", serialNumber);
      g.writeNumberField("registrationDate", registrationDate);
      g.writeNumberField("lastUpdateDate", lastUpdateDate);
      if (shareWithResearchAsOfDate != null) {
        g.writeNumberField("shareWithResearchAsOfDate", shareWithResearchAsOfDate);
      } else if (researchWithdrawn) {
        g.writeNullField("shareWithResearchAsOfDate");
      }
      if (shareWithPublicAsOfDate != null) {
        g.writeNumberField("shareWithPublicAsOfDate", shareWithPublicAsOfDate);
      }
      if (shareWithFriendsAsOfDate != null) {
        g.writeNumberField("shareWithFriendsAsOfDate", shareWithFriendsAsOfDate);
      }
      g.writeEndObject();
    });
  }
}
